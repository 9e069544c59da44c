-- Who counts as an author changed with the extraction rules of 2026-12-06: an organisation that
-- signs its own post on a site declaring no news type is kept; a newsroom signing as itself is not.
COMMENT ON COLUMN articles.authors IS 'people credited (not "Staff", not a newsroom signing as itself; an organisation signing its own post on a site that declares no news type is kept)';
