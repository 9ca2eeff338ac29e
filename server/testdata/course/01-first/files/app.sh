echo "from files"
