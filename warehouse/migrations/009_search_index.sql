-- The search index lives beside the warehouse file (<db>.search/, see warehouse/search_index.py)
-- and is updated by each run with the articles it added or changed; a run records how many.
ALTER TABLE loads ADD COLUMN indexed INTEGER DEFAULT 0;

-- DuckDB's fts index, rebuilt by every load until now, is no longer read: its tables go.
DROP SCHEMA IF EXISTS fts_main_articles CASCADE;
