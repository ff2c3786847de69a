-- The slices (with their review state and held revisions) and fingerprint this build was made from
-- (run inside the build's transaction).
delete from build_slices;
insert into build_slices (agency, period, submission_id, review_state, held)
select agency, period, submission_id, review_state, held from slice_build_keys;
delete from build_state;
insert into build_state values ($fingerprint, now());
