-- A migration that changes things and then fails: after it, the database must be as it was.
CREATE TABLE broken_table (id INT);
INSERT INTO broken_table (id) VALUES (1);
ALTER TABLE pools ADD COLUMN broken_column INT;
INSERT INTO no_such_table (id) VALUES (1);
