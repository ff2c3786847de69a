-- The agencies of the Mesa.
select
    agency,
    agency_name,
    agency_kind
from stg_agencies
