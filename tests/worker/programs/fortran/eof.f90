program eof
  ! every number to EOF into a file in /tmp, then read back from it
  implicit none
  character(len=1000) :: line
  integer(8) :: x, n, total
  integer :: ios, pos, start
  open (unit=10, file='/tmp/numbers.txt', status='replace', action='write')
  do
    read (*, '(a)', iostat=ios) line
    if (ios /= 0) exit
    pos = 1
    do
      do while (pos <= len_trim(line) .and. line(pos:pos) == ' ')
        pos = pos + 1
      end do
      if (pos > len_trim(line)) exit
      start = pos
      do while (pos <= len_trim(line) .and. line(pos:pos) /= ' ')
        pos = pos + 1
      end do
      read (line(start:pos - 1), *) x
      write (10, '(i0)') x
    end do
  end do
  close (10)
  open (unit=11, file='/tmp/numbers.txt', status='old', action='read')
  n = 0
  total = 0
  do
    read (11, *, iostat=ios) x
    if (ios /= 0) exit
    n = n + 1
    total = total + x
  end do
  close (11)
  print '(i0, 1x, i0)', n, total
end program eof
