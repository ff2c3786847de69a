-- Which files of warehouse/migrations have been applied to this warehouse, and when.
create table if not exists schema_migrations (
    name varchar primary key,
    applied_at timestamptz not null
);
