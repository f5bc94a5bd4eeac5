with Ada.Text_IO; use Ada.Text_IO;

procedure Main is
   A : array (1 .. 3) of Integer := (1, 2, 3);
   I : Integer := Integer'Value ("10");
begin
   Put_Line (Integer'Image (A (I)));  --  Constraint_Error: index check failed
end Main;
