-- Issue 19 item 6 (CONTRACT §5.1 "Which consent is newest"): when the person gave the stored
-- grant's consent, if the monolith said. A grant is replaced only by a later consent (or, where
-- either lacks a date, by a grant_id never seen); an older one is retired and never used.
ALTER TABLE oauth_grants ADD COLUMN consented_at timestamptz;
