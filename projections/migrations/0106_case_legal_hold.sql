-- A case under legal hold (its dispute went to arbitration): nothing about it may be erased.
ALTER TABLE case_summaries ADD COLUMN legal_hold boolean NOT NULL DEFAULT false;
