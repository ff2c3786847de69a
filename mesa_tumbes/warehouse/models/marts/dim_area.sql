-- Every area the tables speak of: the department, its provinces and its districts, each with its
-- INEI code, OCHA's p-code, its name, its name with its level ("Tumbes" is all three), and the
-- province and department it is in.
with areas as (
    select * from int_area_rollup
),

final as (
    select
        itself.area_code,
        pcode(itself.area_code) as area_pcode,
        itself.admin_level,
        itself.rollup_name as area_name,
        area_label(itself.rollup_name, itself.admin_level) as area_label,
        province.rollup_code as province,
        department.rollup_code as department
    from areas as itself
    left join areas as province
        on itself.area_code = province.area_code
        and itself.admin_level = province.admin_level
        and province.rollup_level = 'province'
    left join areas as department
        on itself.area_code = department.area_code
        and itself.admin_level = department.admin_level
        and department.rollup_level = 'department'
    where itself.area_code = itself.rollup_code
)

select * from final
