program re
  implicit none
  error stop 3
end program re
