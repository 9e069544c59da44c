-- An entity's first and last word in lower case, stored: the enrich write looks up the names a
-- batch uses ("Hartmann" for Lena Hartmann) by these columns, where it computed them for every
-- stored entity on every batch (a cost that grew with the archive).
ALTER TABLE entities ADD COLUMN first_word VARCHAR;
ALTER TABLE entities ADD COLUMN last_word VARCHAR;
UPDATE entities SET first_word = string_split(lower(name), ' ')[1], last_word = string_split(lower(name), ' ')[-1];

COMMENT ON COLUMN entities.first_word IS 'First word of the name, in lower case (for resolving a surname or first name alone to a known person).';
COMMENT ON COLUMN entities.last_word IS 'Last word of the name, in lower case.';
