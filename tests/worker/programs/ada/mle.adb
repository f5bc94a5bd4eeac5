with Ada.Text_IO; use Ada.Text_IO;

procedure Main is
   type Block is array (1 .. 1024 * 1024) of Character;
   type Block_Access is access Block;
   Blocks : array (1 .. 1024) of Block_Access;  --  1 GiB, filled and kept
begin
   for I in Blocks'Range loop
      Blocks (I) := new Block'(others => Character'Val (I mod 256));
   end loop;
   Put_Line (Integer'Image (Blocks'Length));
end Main;
