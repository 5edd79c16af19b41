ROOT_TEXT="written to root in stage 1"
DATA_TEXT="written to /srv/data in stage 1"
