blocks = []
for i in range(1024):
    blocks.append(bytearray([i % 256]) * (1 << 20))  # 1 GiB, touched
print(len(blocks))
