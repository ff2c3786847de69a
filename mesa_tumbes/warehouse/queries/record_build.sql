-- The slices (with their review state) and fingerprint this build was made from (run inside the
-- build's transaction).
delete from build_slices;
insert into build_slices (agency, period, submission_id, review_state)
select agency, period, submission_id, review_state from slice_states;
delete from build_state;
insert into build_state values ($fingerprint, now());
