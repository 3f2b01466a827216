python3 job.py
