with Ada.Text_IO; use Ada.Text_IO;

procedure Eof is  --  every number to EOF into a file in /tmp, then read back from it
   package Long_IO is new Ada.Text_IO.Integer_IO (Long_Long_Integer);
   F : File_Type;
   X, N, Sum : Long_Long_Integer := 0;
begin
   Create (F, Out_File, "/tmp/numbers.txt");
   loop
      begin
         Long_IO.Get (X);
      exception
         when End_Error => exit;
      end;
      Long_IO.Put (F, X, Width => 0);
      New_Line (F);
   end loop;
   Close (F);
   Open (F, In_File, "/tmp/numbers.txt");
   while not End_Of_File (F) loop
      Long_IO.Get (F, X);
      N := N + 1;
      Sum := Sum + X;
      Skip_Line (F);
   end loop;
   Close (F);
   Long_IO.Put (N, Width => 0);
   Put (" ");
   Long_IO.Put (Sum, Width => 0);
   New_Line;
end Eof;
