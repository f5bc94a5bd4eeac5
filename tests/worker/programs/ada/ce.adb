with Ada.Text_IO; use Ada.Text_IO;

procedure Main is
   X : Integer := "not an integer";
begin
   Put_Line (Integer'Image (X));
end Main;
