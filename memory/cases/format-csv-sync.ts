import { csvToSlowWritable } from '../csv.js';

// rows from a synchronous generator, read a batch (1024 rows) at a time
csvToSlowWritable((csv) => csv.rows());
