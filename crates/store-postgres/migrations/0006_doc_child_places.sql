-- Where a call's notes, ratings and views go in its `doc` (crates/core/src/call_json.rs,
-- `ChildPlaces`): written with every doc from this version on, so that the API sends a
-- call without parsing it. Calls written before have none and are parsed as before; a
-- doc rewritten by an older version no longer matches its places' checksum and is
-- parsed too.

ALTER TABLE calls ADD COLUMN doc_child_places TEXT;
