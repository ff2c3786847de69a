-- Where the next pull of a source starts (null: from the beginning), and when it was last read whole.
select cursor, full_pulled_at from source_state where source = $source
