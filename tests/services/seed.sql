-- Seed data for backup/restore tests and benchmarks (run by tests/services/postgres.sh).
--   psql -X -v ON_ERROR_STOP=1 -v scale=N -d <empty database> -f seed.sql
-- Everything is deterministic for a given scale (no random(), no now()), so a restored copy
-- can be compared with a fresh seed. Row counts:
--   public.customers   2,000 * scale       public.orders   120,000 * scale
--   public.documents   500 (bytea, 1-4 KiB each)
--   audit.events       5,000 * scale
--   public.invoice_number_seq  last_value 1042, is_called true (nextval() returns 1043)
-- Size grows linearly: about 12 MB per scale unit plus ~10 MB fixed (scale 1 ≈ 22 MB,
-- scale 10 ≈ 130 MB, scale 80 ≈ 1 GB). orders is ~90% of it: its row width is near the minimum
-- for these columns, so a bigger payload would only overshoot the benchmark sizes.
-- Indexes and constraints are created after the bulk inserts, which is faster.

\set ON_ERROR_STOP on
\if :{?scale}
\else
\set scale 1
\endif

SET client_min_messages = warning;

BEGIN;

CREATE TABLE public.customers (
    id         serial,
    name       text        NOT NULL,
    email      text        NOT NULL,
    created_at timestamptz NOT NULL
);

-- Column order keeps the fixed-width columns together (no alignment padding): orders is
-- nearly all of the database, so its row width sets the size per scale unit.
CREATE TABLE public.orders (
    id          serial,
    customer_id integer       NOT NULL,
    created_at  timestamptz   NOT NULL,
    amount      numeric(12,2) NOT NULL,
    status      text          NOT NULL,
    note        text
);

CREATE TABLE public.documents (
    id           serial,
    file_name    text    NOT NULL,
    content_type text    NOT NULL,
    content      bytea   NOT NULL,
    content_md5  text    NOT NULL
);

CREATE SCHEMA audit;

CREATE TABLE audit.events (
    id          bigserial,
    occurred_at timestamptz NOT NULL,
    actor       text        NOT NULL,
    action      text        NOT NULL,
    payload     jsonb       NOT NULL
);

INSERT INTO public.customers (id, name, email, created_at)
SELECT i,
       'Customer ' || i,
       'customer' || i || '@example.test',
       timestamptz '2024-01-01 00:00:00+00' + i * interval '17 minutes'
FROM generate_series(1, 2000 * :scale) AS i;

-- note: NULL except on every 20th order (36 bytes of md5 text), so NULLs are covered too.
INSERT INTO public.orders (id, customer_id, created_at, amount, status, note)
SELECT g,
       1 + (g * 7919) % (2000 * :scale),
       timestamptz '2024-01-01 00:00:00+00' + g * interval '13 seconds',
       ((g * 104729) % 1000000) / 100.0,
       (ARRAY['new', 'paid', 'shipped', 'delivered', 'cancelled'])[1 + g % 5],
       CASE WHEN g % 20 = 0 THEN 'ref ' || md5(g::text) END
FROM generate_series(1::bigint, 120000 * :scale) AS g;

-- content: 64-256 md5 digests of distinct inputs, i.e. 1-4 KiB of incompressible bytes.
INSERT INTO public.documents (id, file_name, content_type, content, content_md5)
SELECT d.i, d.file_name, d.content_type, d.content, md5(d.content)
FROM (
    SELECT i,
           'document-' || lpad(i::text, 4, '0') || '.bin' AS file_name,
           'application/octet-stream' AS content_type,
           (SELECT decode(string_agg(md5(i || ':' || j), '' ORDER BY j), 'hex')
            FROM generate_series(1, 64 * (1 + i % 4)) AS j) AS content
    FROM generate_series(1, 500) AS i
) AS d;

INSERT INTO audit.events (id, occurred_at, actor, action, payload)
SELECT e,
       timestamptz '2024-01-01 00:00:00+00' + e * interval '7 seconds',
       'user' || (e % 37),
       (ARRAY['login', 'order.create', 'order.update', 'document.upload'])[1 + e % 4],
       jsonb_build_object(
           'order_id', 1 + (e * 31) % (120000 * :scale),
           'customer_id', 1 + (e * 7) % (2000 * :scale),
           'ip', '192.0.2.' || (e % 250),
           'tags', jsonb_build_array('seed', 'batch-' || (e % 10)),
           'ok', e % 11 <> 0)
FROM generate_series(1::bigint, 5000 * :scale) AS e;

ALTER TABLE public.customers ADD PRIMARY KEY (id);
ALTER TABLE public.orders ADD PRIMARY KEY (id);
ALTER TABLE public.documents ADD PRIMARY KEY (id);
ALTER TABLE audit.events ADD PRIMARY KEY (id);
ALTER TABLE public.customers ADD CONSTRAINT customers_email_key UNIQUE (email);
ALTER TABLE public.orders
    ADD CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES public.customers (id);
CREATE INDEX orders_customer_id_idx ON public.orders (customer_id);
CREATE INDEX events_occurred_at_idx ON audit.events (occurred_at);

-- Explicit ids above bypass the serial sequences: move them past the loaded rows.
-- (DO blocks keep psql's output quiet.)
DO $$
BEGIN
    PERFORM setval(pg_get_serial_sequence('public.customers', 'id'), (SELECT max(id) FROM public.customers));
    PERFORM setval(pg_get_serial_sequence('public.orders', 'id'), (SELECT max(id) FROM public.orders));
    PERFORM setval(pg_get_serial_sequence('public.documents', 'id'), (SELECT max(id) FROM public.documents));
    PERFORM setval(pg_get_serial_sequence('audit.events', 'id'), (SELECT max(id) FROM audit.events));
END
$$;

CREATE VIEW public.order_totals AS
SELECT c.id AS customer_id,
       c.name,
       count(o.id) AS order_count,
       coalesce(sum(o.amount), 0)::numeric(14,2) AS total_amount
FROM public.customers AS c
LEFT JOIN public.orders AS o ON o.customer_id = c.id
GROUP BY c.id, c.name;

-- A standalone sequence whose state a restore must carry over.
CREATE SEQUENCE public.invoice_number_seq START WITH 1000;
DO $$
BEGIN
    PERFORM nextval('public.invoice_number_seq') FROM generate_series(1, 3);
    PERFORM setval('public.invoice_number_seq', 1042, true);
END
$$;

COMMENT ON TABLE public.orders IS 'OpsRunbooks seed data';

COMMIT;

-- Sets hint bits and the visibility map now, so later reads (backups) do not write pages.
VACUUM (ANALYZE);
