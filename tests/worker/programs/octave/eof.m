% every number to EOF into a file in /tmp, then read back from it
numbers = fscanf(stdin, "%d");
f = fopen("/tmp/numbers.txt", "w");
fprintf(f, "%d\n", numbers);
fclose(f);
f = fopen("/tmp/numbers.txt", "r");
back = fscanf(f, "%d");
fclose(f);
printf("%d %d\n", numel(back), sum(back));
