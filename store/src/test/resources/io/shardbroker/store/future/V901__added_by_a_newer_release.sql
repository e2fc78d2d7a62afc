-- Stands for a migration of a newer shardbroker that this one does not know.
CREATE TABLE future_table (id INT);
