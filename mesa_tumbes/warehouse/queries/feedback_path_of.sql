-- Where a submission's feedback folder is, under the feedback root.
select feedback_path from submissions where submission_id = $submission_id
