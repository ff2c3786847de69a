-- Every code the marts show, named in Spanish and English (reference data: the locales' words).
select
    kind,
    code,
    label_es,
    label_en
from ref_labels
