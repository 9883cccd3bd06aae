-- Rulebook v2. Demands gain the facts v2 weighs; customers their home
-- subdivision and a third key custody; agencies the kind private_party.
--
-- v1's "customer_managed" meant "the provider cannot read content"; v2
-- calls that customer_held and gives customer_managed to a customer key the
-- provider's services use at run time (BYOK), whose content is accessible.
-- Stored v1 customers keep v1's meaning (customer_held) and are marked
-- unconfirmed until an admin confirms or reclassifies them, each mapping an
-- event in the log. Open demands are assessed again under v2 once every
-- migration is applied (store.Migrate); closed ones keep the assessment and
-- rulebook version that decided them.

ALTER TABLE demands ADD COLUMN subject_location TEXT NOT NULL DEFAULT '';
ALTER TABLE demands ADD COLUMN subject_us_person BOOLEAN;
ALTER TABLE demands ADD COLUMN data_locations_sought TEXT NOT NULL DEFAULT '[]';
ALTER TABLE demands ADD COLUMN notice_permitted BOOLEAN NOT NULL DEFAULT FALSE;

ALTER TABLE customers ADD COLUMN home_subdivision TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN key_custody_confirmed BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE customers DROP CONSTRAINT customers_key_custody_check;
INSERT INTO events (demand_id, actor_id, actor, kind, data, at)
    SELECT NULL, NULL, 'writ', 'customer.key_custody_migrated',
        json_build_object('customer_id', id, 'from', 'customer_managed', 'to', 'customer_held',
            'rulebook_from', 'v1', 'rulebook_to', 'v2', 'confirmed', false)::text,
        now()
    FROM customers WHERE key_custody = 'customer_managed' ORDER BY id;
UPDATE customers SET key_custody = 'customer_held', key_custody_confirmed = FALSE WHERE key_custody = 'customer_managed';
ALTER TABLE customers ADD CONSTRAINT customers_key_custody_check
    CHECK (key_custody IN ('provider_managed', 'customer_managed', 'customer_held'));

ALTER TABLE agencies DROP CONSTRAINT agencies_kind_check;
ALTER TABLE agencies ADD CONSTRAINT agencies_kind_check
    CHECK (kind IN ('law_enforcement', 'national_security', 'regulator', 'court', 'private_party'));
