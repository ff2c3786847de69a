-- The indicator catalogue, with its sector's Spanish name.
with indicators as (
    select * from stg_indicators
),

sectors as (
    select * from stg_sectors
),

final as (
    select
        indicators.indicator,
        indicators.indicator_name_es,
        indicators.indicator_name_en,
        indicators.sector,
        sectors.sector_es,
        indicators.role,
        indicators.unit,
        indicators.pairs_with,
        indicators.frequency,
        indicators.is_sector_reach,
        indicators.r4v_type,
        indicators.reach_reason_es,
        indicators.reach_reason_en,
        coalesce(sectors.is_sensitive, false) as is_sensitive
    from indicators
    left join sectors on indicators.sector = sectors.sector
)

select * from final
