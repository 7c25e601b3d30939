-- CONTRACT §5.1 "The refresh chain's end": `nmbrs.consent_expiring` goes out once per grant.
-- When it went out for the stored grant; a new consent replacing the grant clears it.
ALTER TABLE oauth_grants ADD COLUMN expiry_warned_at timestamptz;
