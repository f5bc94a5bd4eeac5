-- every number to EOF into a file in /tmp, then read back from it
main :: IO ()
main = do
  numbers <- map read . words <$> getContents :: IO [Integer]
  writeFile "/tmp/numbers.txt" (unlines (map show numbers))
  back <- map read . lines <$> readFile "/tmp/numbers.txt" :: IO [Integer]
  putStrLn (show (length back) ++ " " ++ show (sum back))
