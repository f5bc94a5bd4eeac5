import util
util.main()
