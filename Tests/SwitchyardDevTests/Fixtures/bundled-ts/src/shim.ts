export default "shimmed" as string;
