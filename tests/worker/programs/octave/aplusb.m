x = fscanf(stdin, "%ld", 2);
printf("%d\n", x(1) + x(2));
