package store_test

import (
	"testing"

	"writ/store/storetest"
)

func TestUploadsSQLite(t *testing.T) { storetest.RunUploads(t, storetest.SQLiteWith) }

func TestUploadsPostgres(t *testing.T) { storetest.RunUploads(t, storetest.PostgresWith) }
