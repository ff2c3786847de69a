-- Every code the marts show, named in Spanish and English: join on (kind, code), or read each mart's
-- <mart>_labeled view, which has a <column>_es and <column>_en beside each code column.
select * from stg_labels
