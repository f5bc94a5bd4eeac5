program ce
  implicit none
  x = 1
end program ce
