// 404 for unknown pages and for models or libraries that do not exist (any more).
import Link from "next/link";

export default function NotFound() {
  return (
    <div className="card mx-auto mt-8 max-w-md p-6 text-center" data-testid="not-found">
      <h1 className="text-[16px] font-semibold">Not found</h1>
      <p className="mt-2 text-neutral-600">
        This page or model does not exist. It may have been removed from the catalogue by a scan.
      </p>
      <Link href="/" className="btn mt-4">
        Back to the catalogue
      </Link>
    </div>
  );
}
