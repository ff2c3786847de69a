-- The slices and fingerprint this build was made from (run inside the build's transaction).
delete from build_slices;
insert into build_slices select agency, period, submission_id from current_slices;
delete from build_state;
insert into build_state values ($fingerprint, now());
