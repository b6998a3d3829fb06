"""Organization-scoped file storage through the storage provider, with presigned links."""
