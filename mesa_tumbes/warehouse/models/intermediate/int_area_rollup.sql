-- Every area and the wider areas that contain it: a district is in its province and in the
-- department; a province (R4V's Admin2) is in the department; each area contains itself.
with districts as (
    select * from stg_districts
),

build as (
    select * from stg_build
),

provinces as (
    select distinct province, province_name from districts
),

final as (
    select district as area_code, 'district' as admin_level, district as rollup_code, 'district' as rollup_level, district_name as rollup_name
    from districts
    union all
    select district, 'district', province, 'province', province_name
    from districts
    union all
    select districts.district, 'district', build.department, 'department', build.department_name
    from districts cross join build
    union all
    select province, 'province', province, 'province', province_name
    from provinces
    union all
    select provinces.province, 'province', build.department, 'department', build.department_name
    from provinces cross join build
    union all
    select department, 'department', department, 'department', department_name
    from build
)

select * from final
