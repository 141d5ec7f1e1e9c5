-- The registry keeps its schemas in a database of its own beside the platform's.
CREATE DATABASE registry OWNER oxagry;
