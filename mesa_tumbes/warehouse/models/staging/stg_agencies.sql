-- Agencies of the Mesa (reference data).
select
    code as agency,
    name as agency_name,
    kind as agency_kind
from ref_agencies
