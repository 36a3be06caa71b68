import { csvToSlowWritable } from '../csv.js';

// rows from an async generator, a page of 500 per turn of the event loop, like a driver's
csvToSlowWritable((csv) => csv.asyncRows());
