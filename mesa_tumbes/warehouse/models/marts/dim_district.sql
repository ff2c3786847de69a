-- The region's districts, with their province and department, each with its INEI code and OCHA's
-- p-code (PE + INEI code; R4V's Admin2 is the province's).
with districts as (
    select * from stg_districts
),

build as (
    select * from stg_build
),

final as (
    select
        districts.district,
        pcode(districts.district) as district_pcode,
        districts.district_name,
        districts.province,
        pcode(districts.province) as province_pcode,
        districts.province_name,
        build.department,
        pcode(build.department) as department_pcode,
        build.department_name,
        pcode(districts.province) as r4v_province_code,
        districts.district_reniec
    from districts
    cross join build
)

select * from final
