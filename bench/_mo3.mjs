import { from } from '@sluice/core';
import { mapConcurrent } from '@sluice/operators';
const N=200000; const items = Array.from({length:N},(_, i)=>i);
const task = async (i) => i;
for (let r=0;r<3;r++){ let c0=process.cpuUsage(); await from(items).pipe(mapConcurrent(task,{concurrency:16})).toArray(); let c=process.cpuUsage(c0); console.log('sluice us/item', ((c.user+c.system)/N).toFixed(2));}
