program mle
  implicit none
  integer :: i
  integer(1), allocatable :: blocks(:, :)
  allocate (blocks(1048576, 1024))  ! 1 GiB
  do i = 1, 1024
    blocks(:, i) = int(mod(i, 100), 1)
  end do
  print '(i0)', sum(int(blocks(1, :)))
end program mle
