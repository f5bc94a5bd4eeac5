import qualified Data.Map.Strict as M

main :: IO ()
main = do
  let m = M.fromList [(i, i) | i <- [1 .. 50000000 :: Int]]  -- far beyond the limit
  print (M.size m)
