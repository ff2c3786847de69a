"""The formats of the submission contract, one folder each (template/, r4v_5w/, rmrp/): how a file in
that format is recognised and read, which suites its rows go through, and what loads. The pipeline
reaches them through formats.submission, which knows them all."""
