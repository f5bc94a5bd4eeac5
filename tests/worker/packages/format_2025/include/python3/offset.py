OFFSET = {{offset.value}}
