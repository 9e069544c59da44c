-- New blobs are zstd-compressed (transforms/records.py: five times less CPU than zlib, the same
-- size); those stored before stay zlib, and `compression` says which, so nothing is rewritten.
COMMENT ON TABLE raw_blobs IS 'One row per distinct raw content: the bytes, compressed, for re-extraction without the network.';
COMMENT ON COLUMN raw_blobs.compression IS 'How data is compressed: zstd (zlib for blobs stored before 2026-12-06)';
