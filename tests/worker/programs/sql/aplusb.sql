SELECT a + b FROM input;
