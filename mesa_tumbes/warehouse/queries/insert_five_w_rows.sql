-- The submission's 5W rows kept whole (view `incoming_details`), in its load's transaction.
insert into five_w_rows by name
select $submission_id as submission_id, * from incoming_details
