"""Provider credentials a principal uploads (`upload_cookies`): cookie exports, key files, HARs."""
