-- Where the next pull of a source starts (null: from the beginning).
select cursor from source_state where source = $source
